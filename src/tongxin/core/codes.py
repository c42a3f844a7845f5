"""National code tables (GB/T 3304 ethnic groups, GB/T 2261.1 sex)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# GB/T 3304-1991: code, name, two-letter code. 97 and 98 as used by ID-card readers.
ETHNIC_GROUPS: list[tuple[str, str, str]] = [
    (c[:2], c[2:-2], c[-2:])
    for c in (
        "01汉族HA 02蒙古族MG 03回族HU 04藏族ZA 05维吾尔族UG 06苗族MH 07彝族YI 08壮族ZH 09布依族BY "
        "10朝鲜族CS 11满族MA 12侗族DO 13瑶族YA 14白族BA 15土家族TJ 16哈尼族HN 17哈萨克族KZ 18傣族DA "
        "19黎族LI 20傈僳族LS 21佤族VA 22畲族SH 23高山族GS 24拉祜族LH 25水族SU 26东乡族DX 27纳西族NX "
        "28景颇族JP 29柯尔克孜族KG 30土族TU 31达斡尔族DU 32仫佬族ML 33羌族QI 34布朗族BL 35撒拉族SL "
        "36毛南族MN 37仡佬族GL 38锡伯族XB 39阿昌族AC 40普米族PM 41塔吉克族TA 42怒族NU 43乌孜别克族UZ "
        "44俄罗斯族RS 45鄂温克族EW 46德昂族DE 47保安族BN 48裕固族YG 49京族GI 50塔塔尔族TT 51独龙族DR "
        "52鄂伦春族OR 53赫哲族HZ 54门巴族MB 55珞巴族LB 56基诺族JN 97其他OT 98外国血统中国籍人士FX"
    ).split()
]
ETHNICITY_NAMES: dict[str, str] = {code: name for code, name, _ in ETHNIC_GROUPS}
ETHNICITY_CHOICES = [(code, name) for code, name, _ in ETHNIC_GROUPS]
HAN = "01"

SEX_CHOICES = [("1", _("男")), ("2", _("女"))]
