import pytest

from fupin.access.scope import Viewer, allows, scope_prefix

PROVINCE = Viewer.province()
FUYANG = Viewer("阜阳市用户", "city", "city", "341200")
LINQUAN = Viewer("临泉县用户", "county", "county", "341221")


@pytest.mark.parametrize(
    ("viewer", "code", "expected"),
    [
        # province user: everything in Anhui
        (PROVINCE, "341221", True),
        (PROVINCE, "340102001001", True),
        # city user: own city only
        (FUYANG, "341221", True),
        (FUYANG, "3412211002010001", True),
        (FUYANG, "341322", False),
        # county user: own county only, down to households
        (LINQUAN, "341221100201", True),
        (LINQUAN, "341222", False),
        (LINQUAN, "3412221002010001", False),
    ],
)
def test_allows(viewer: Viewer, code: str, expected: bool) -> None:
    assert allows(viewer, code) is expected


def test_prefixes() -> None:
    assert [scope_prefix(v) for v in (PROVINCE, FUYANG, LINQUAN)] == ["34", "3412", "341221"]


@pytest.mark.parametrize(("level", "code"), [("city", "341221"), ("county", "34122"), ("province", "341200")])
def test_bad_scopes_are_refused(level: str, code: str) -> None:
    with pytest.raises(ValueError):
        Viewer("x", "county", level, code)  # type: ignore[arg-type]
