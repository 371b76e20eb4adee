"""Who is looking, and what they may see: the `Viewer` every query takes.

Scope is enforced below the UI: every query that touches households binds `$scope_prefix`,
the code prefix of the viewer's area ('34' for the province, '3412' for 阜阳市, '341221' for
临泉县), and filters `starts_with(<area code>, $scope_prefix)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["province_admin", "city", "county", "analyst", "meeting"]
ScopeLevel = Literal["province", "city", "county"]

PROVINCE_CODE = "340000"


@dataclass(frozen=True)
class Viewer:
    """A signed-in person: a role and the area they are scoped to."""

    name: str
    role: Role
    scope_level: ScopeLevel
    scope_code: str = PROVINCE_CODE
    username: str = ""  # the account (audit rows name it); empty for the cache's shared viewers

    def __post_init__(self) -> None:
        if self.scope_level == "province" and self.scope_code != PROVINCE_CODE:
            raise ValueError("province scope must use code 340000")
        if self.scope_level == "city" and not (len(self.scope_code) == 6 and self.scope_code.endswith("00")):
            raise ValueError(f"bad city code {self.scope_code!r}")
        if self.scope_level == "county" and not (len(self.scope_code) == 6 and self.scope_code.isdigit()):
            raise ValueError(f"bad county code {self.scope_code!r}")

    @classmethod
    def province(cls, name: str = "省级（默认）", role: Role = "province_admin") -> Viewer:
        return cls(name=name, role=role, scope_level="province")

    @property
    def may_unmask(self) -> bool:
        """Only the province administrator may see names and ID numbers in full."""
        return self.role == "province_admin"

    @property
    def is_admin(self) -> bool:
        """省级管理员: the data import page and the audit log."""
        return self.role == "province_admin"

    @property
    def sees_households(self) -> bool:
        """会议大屏 sees aggregates only: no household rows, no household detail."""
        return self.role != "meeting"


def scope_prefix(viewer: Viewer) -> str:
    """The code prefix that every area code in the viewer's scope starts with."""
    if viewer.scope_level == "province":
        return PROVINCE_CODE[:2]
    if viewer.scope_level == "city":
        return viewer.scope_code[:4]
    return viewer.scope_code


def allows(viewer: Viewer, area_code: str) -> bool:
    """May the viewer see rows of this county / township / village / household code?"""
    return area_code.startswith(scope_prefix(viewer))
