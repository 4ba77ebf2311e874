"""Identity at rest, who supplied each file, one-time submission tokens.

- complainants: the identity columns become one encrypted JSON document (`sealed`); existing
  rows are encrypted with the configured identity key while migrating.
- identity_lookups: keyed hashes of normalised NIK, phone and e-mail.
- attachments.supplied_by: "public" or "staff" (existing rows: by the lane of their task).
- submission_tokens: a rendered form creates at most one case.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The public lane of every diagram deployed before this revision: a fact about stored data, fixed
# here so that the migration does not change when the app's constants do.
PUBLIC_LANE_BEFORE_0005 = "Pelanggan"

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD_COLUMNS = ("nama", "nik", "no_kk", "telepon", "email", "alamat")
SEARCH_KIND = {"nik": "nik", "telepon": "telepon", "email": "email"}


def upgrade() -> None:
    """Add the new tables and columns, encrypt existing identities, drop the clear columns."""
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("supplied_by", sa.String(10), nullable=False,
                                   server_default="public"))
    op.get_bind().execute(
        sa.text("UPDATE attachments SET supplied_by = 'staff' WHERE task_id IN "
                "(SELECT id FROM human_tasks WHERE lane IS NULL OR lane <> :public_lane)"),
        {"public_lane": PUBLIC_LANE_BEFORE_0005},
    )
    op.create_table(
        "identity_lookups",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_identity_lookups_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "kind", "digest", name=op.f("pk_identity_lookups")),
    )
    op.create_index(op.f("ix_identity_lookups_digest"), "identity_lookups", ["digest"])
    op.create_table(
        "submission_tokens",
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_access_code", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_submission_tokens_case_id_cases")),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_submission_tokens")),
    )
    op.create_index(op.f("ix_submission_tokens_case_id"), "submission_tokens", ["case_id"])
    op.create_index(op.f("ix_submission_tokens_created_at"), "submission_tokens", ["created_at"])
    with op.batch_alter_table("complainants") as batch:
        batch.add_column(sa.Column("sealed", sa.Text(), nullable=True))
    _encrypt_existing()
    if op.get_bind().dialect.name == "sqlite":
        # Overwrite the freed pages that held the clear identity instead of leaving them.
        op.execute("PRAGMA secure_delete = ON")
    with op.batch_alter_table("complainants") as batch:
        for column in OLD_COLUMNS:
            batch.drop_column(column)
        batch.alter_column("sealed", existing_type=sa.Text(), nullable=False)


def _encrypt_existing() -> None:
    """Seal the identity of rows stored before this revision (needs the app's identity key)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        f"SELECT case_id, {', '.join(OLD_COLUMNS)} FROM complainants"  # nosec B608 # fixed names
    )).mappings().all()
    if not rows:
        return
    from app.cases import identity  # the app's key, loaded by `flask setup`

    for row in rows:
        values = {k: row[k] for k in OLD_COLUMNS if row[k] not in (None, "")}
        kinds = {k: SEARCH_KIND[k] for k in values if k in SEARCH_KIND}
        bind.execute(sa.text("UPDATE complainants SET sealed = :sealed WHERE case_id = :id"),
                     {"sealed": identity.seal({"data": values, "kinds": kinds}),
                      "id": row["case_id"]})
        for name, kind in kinds.items():
            digest = identity.lookup_digest(kind, str(values[name]))
            if digest:
                bind.execute(sa.text("INSERT INTO identity_lookups (case_id, kind, digest) "
                                     "VALUES (:id, :kind, :digest)"),
                             {"id": row["case_id"], "kind": kind, "digest": digest})


def downgrade() -> None:
    """Drop the new tables and columns (identities of existing rows are not decrypted back)."""
    with op.batch_alter_table("complainants") as batch:
        for column in OLD_COLUMNS:
            batch.add_column(sa.Column(column, sa.Text(), nullable=True))
        batch.drop_column("sealed")
    op.drop_index(op.f("ix_submission_tokens_created_at"), table_name="submission_tokens")
    op.drop_index(op.f("ix_submission_tokens_case_id"), table_name="submission_tokens")
    op.drop_table("submission_tokens")
    op.drop_index(op.f("ix_identity_lookups_digest"), table_name="identity_lookups")
    op.drop_table("identity_lookups")
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("supplied_by")
