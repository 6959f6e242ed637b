"""rubric versions, notifications, calendar feeds, connection checks, recordings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 11:34:22.015963
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connectioncheck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("rtt_ms", sa.Float(), nullable=True),
        sa.Column("jitter_ms", sa.Float(), nullable=True),
        sa.Column("loss_percent", sa.Float(), nullable=True),
        sa.Column("bitrate_kbps", sa.Float(), nullable=True),
        sa.Column("relayed", sa.Boolean(), nullable=False),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("advice", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("connectioncheck", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connectioncheck_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_connectioncheck_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "rubricversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rubric_id", "version"),
    )
    with op.batch_alter_table("rubricversion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rubricversion_rubric_id"), ["rubric_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("breakout_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["breakout_id"],
            ["breakout.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_breakout_id"), ["breakout_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_person_id"), ["person_id"], unique=False)

    op.create_table(
        "recording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("breakout_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("stopped_because", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["breakout_id"],
            ["breakout.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recording", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recording_breakout_id"), ["breakout_id"], unique=False)

    op.create_table(
        "recordingconsent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("breakout_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["breakout_id"],
            ["breakout.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("breakout_id", "person_id"),
    )
    with op.batch_alter_table("recordingconsent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recordingconsent_breakout_id"), ["breakout_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recordingconsent_person_id"), ["person_id"], unique=False
        )

    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recording_retention_days", sa.Integer(), nullable=False, server_default="30")
        )

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("calendar_epoch", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("calendar_epoch")

    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_column("recording_retention_days")

    with op.batch_alter_table("recordingconsent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recordingconsent_person_id"))
        batch_op.drop_index(batch_op.f("ix_recordingconsent_breakout_id"))

    op.drop_table("recordingconsent")
    with op.batch_alter_table("recording", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_breakout_id"))

    op.drop_table("recording")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_person_id"))
        batch_op.drop_index(batch_op.f("ix_notification_breakout_id"))

    op.drop_table("notification")
    with op.batch_alter_table("rubricversion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rubricversion_rubric_id"))

    op.drop_table("rubricversion")
    with op.batch_alter_table("connectioncheck", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connectioncheck_person_id"))
        batch_op.drop_index(batch_op.f("ix_connectioncheck_created_at"))

    op.drop_table("connectioncheck")
