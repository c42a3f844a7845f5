from django.core.management.base import BaseCommand, CommandError

from tongxin.accounts.models import User
from tongxin.geo.services import DivisionError
from tongxin.registry.demo import load_demo_city


class Command(BaseCommand):
    def _progress(self, written: int) -> None:
        self.stderr.write(f"已生成 {written} 人")

    help = "Load the demo city (郑州市 410100), its accounts and N synthetic persons."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when accounts already exist"
        )

    def handle(self, *args, persons, seed, if_empty, **options):
        from tongxin.core.bulk import restore_indexes
        from tongxin.core.keycheck import require_data_key

        require_data_key()
        # A first load killed halfway left its tables without their secondary indexes.
        built = restore_indexes()
        if built:
            self.stderr.write(f"已重建上次中断的批量加载所删除的索引 {built} 个")
        if persons < 0:
            raise CommandError("--persons 不能为负数。")
        if if_empty and User.objects.exists():
            self.stdout.write("数据库中已有数据，跳过演示数据加载。")
            return
        try:
            result = load_demo_city(persons=persons, seed=seed, progress=self._progress)
        except DivisionError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"演示城市已加载：区划 {result['divisions']} 个，新网格 {result['grids']} 个，"
            f"新人员 {result['persons']} 人。"
        )
