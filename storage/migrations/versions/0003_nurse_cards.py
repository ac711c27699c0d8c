"""nurse cards: one card per check-in, the flags' view and the nurse group's outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nurse_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=96), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rendered_version", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkin.id"],
            name=op.f("fk_nurse_card_checkin_id_checkin"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_nurse_card_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nurse_card")),
        sa.UniqueConstraint("source_key", name=op.f("uq_nurse_card_source_key")),
    )
    op.create_index("ix_nurse_card_patient_id", "nurse_card", ["patient_id"])
    op.create_index("ix_nurse_card_pending", "nurse_card", ["rendered_version", "version"])
    op.create_table(
        "nurse_card_message",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["nurse_card.id"],
            name=op.f("fk_nurse_card_message_card_id_nurse_card"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_nurse_card_message")),
    )
    op.create_index("ix_nurse_card_message_card_id", "nurse_card_message", ["card_id"])
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_flag_card_id", ["card_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_flag_card_id_nurse_card", "nurse_card", ["card_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_constraint("fk_flag_card_id_nurse_card", type_="foreignkey")
        batch_op.drop_index("ix_flag_card_id")
        batch_op.drop_column("card_id")
    op.drop_index("ix_nurse_card_message_card_id", table_name="nurse_card_message")
    op.drop_table("nurse_card_message")
    op.drop_index("ix_nurse_card_pending", table_name="nurse_card")
    op.drop_index("ix_nurse_card_patient_id", table_name="nurse_card")
    op.drop_table("nurse_card")
