"""The default checklists for window units (editable afterwards): equal treatment, minority
language service, publicity, halal catering."""

from django.db import migrations

ALL_WINDOWS = ""
CATERING_WINDOWS = "school,hospital,hotel,station,airport,scenic"

CHECKLISTS = [
    (
        "window_general",
        "窗口单位民族政策落实情况检查表",
        ALL_WINDOWS,
        [
            ("equal", "对少数民族群众一视同仁，无拒绝服务、歧视性规定或言行"),
            ("language", "配备或能及时联系民族语言翻译（维吾尔语、藏语等），有多语种服务指引"),
            ("publicity", "在显著位置张贴民族政策和民族团结进步宣传内容"),
            ("other", "公开少数民族群众求助、投诉渠道和联系方式"),
        ],
    ),
    (
        "catering",
        "清真餐饮供应和管理检查表",
        CATERING_WINDOWS,
        [
            ("halal", "为少数民族群众提供清真餐食，或有就近清真餐饮指引"),
            ("halal", "清真餐饮窗口标识规范，餐具、操作间与其他分开"),
            ("halal", "清真食品原料采购渠道合法、票证齐全"),
            ("equal", "工作人员了解少数民族饮食习惯和相关禁忌"),
        ],
    ),
    (
        "market",
        "市场和商户民族政策落实检查表",
        "market",
        [
            ("equal", "少数民族商户与其他商户同等办理摊位和证照"),
            ("halal", "清真食品经营者资格和清真标识使用规范"),
            ("language", "市场管理方能为少数民族商户提供政策咨询和翻译帮助"),
            ("publicity", "张贴民族团结和市场管理法规宣传"),
        ],
    ),
]


def seed(apps, schema_editor):
    Template = apps.get_model("coordination", "ChecklistTemplate")
    Item = apps.get_model("coordination", "ChecklistItem")
    for code, name, kinds, items in CHECKLISTS:
        template, created = Template.objects.get_or_create(
            code=code, defaults={"name": name, "kinds": kinds}
        )
        if created:
            for i, (topic, text) in enumerate(items, 1):
                Item.objects.create(template=template, order=i, topic=topic, text=text)


class Migration(migrations.Migration):
    dependencies = [("coordination", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
