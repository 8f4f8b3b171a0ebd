"""The department tree: bureau -> 科室 / 执法大队 / 街镇 ..."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawtrain.extensions import db

if TYPE_CHECKING:
    from lawtrain.auth.models import User


class Department(db.Model):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # Materialised paths keep subtree queries to one indexed LIKE: "/1/4/" and "区应急局/执法大队".
    id_path: Mapped[str] = mapped_column(String(255), index=True, default="")
    name_path: Mapped[str] = mapped_column(String(512), default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent", order_by="Department.sort_order")
    users: Mapped[list[User]] = relationship(back_populates="department")

    @property
    def depth(self) -> int:
        return self.id_path.count("/") - 2
