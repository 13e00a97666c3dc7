"""The audit chain sealed with AUDIT_KEY and append-only on PostgreSQL; letters' PDFs kept.

Each audit event gets ``seal``, the keyed MAC of its hash; ``audit_head`` holds the sealed
newest event and ``audit_checkpoint`` the sealed heads kept for good. Run through ``flask
db-upgrade`` (which has the portal's AUDIT_KEY), the events already recorded are sealed as they
stand now, so check them with ``flask verify-audit`` before upgrading; run without the key they
are left unsealed and verify-audit will say so. On PostgreSQL a trigger then refuses UPDATE,
DELETE and TRUNCATE on audit events and checkpoints.

``letter_file`` keeps each letter's PDF and large-print PDF with their SHA-256, made on first
download; letters issued before this revision get theirs the same way (none are made here).

Only tables are added (and one nullable column, in place), so nothing is copied and rebuilt on
SQLite either way.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('seal', sa.String(length=64), nullable=True))
    for table, extra in (
        ('audit_head', [sa.CheckConstraint('id = 1', name=op.f('ck_audit_head_one_row'))]),
        ('audit_checkpoint', []),
    ):
        op.create_table(table,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('event_hash', sa.String(length=64), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.Column('sealed_at', portal.db.UTCDateTime(timezone=True), nullable=False),
        *extra,
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}'))
        )
    op.create_table('letter_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('variant', sa.String(length=20), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('made_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("variant IN ('standard', 'large_print')", name=op.f('ck_letter_file_known_variant')),
    sa.CheckConstraint('length(sha256) = 64 AND size_bytes > 0', name=op.f('ck_letter_file_hashed')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_letter_file_letter_id_letter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_file')),
    sa.UniqueConstraint('letter_id', 'variant', name=op.f('uq_letter_file_letter_id'))
    )
    _seal_what_is_there()
    if op.get_bind().dialect.name == 'postgresql':
        from portal.audit import guard

        for statement in guard.install_statements():
            op.execute(statement)


def _seal_what_is_there() -> None:
    """Seal the events already recorded, and the head, with the portal's AUDIT_KEY."""
    from flask import current_app, has_app_context

    if not has_app_context() or not current_app.config.get('AUDIT_KEY'):
        return
    from portal.audit import seal
    from portal.timeutil import utcnow

    bind = op.get_bind()
    rows = bind.execute(sa.text('SELECT id, hash FROM audit_event ORDER BY id')).all()
    for event_id, event_hash in rows:
        bind.execute(
            sa.text('UPDATE audit_event SET seal = :seal WHERE id = :id'),
            {'seal': seal.event_seal(event_hash), 'id': event_id},
        )
    if rows:
        event_id, event_hash = rows[-1]
        now = utcnow()
        head = sa.table(
            'audit_head',
            sa.column('id', sa.Integer),
            sa.column('event_id', sa.Integer),
            sa.column('event_hash', sa.String),
            sa.column('mac', sa.String),
            sa.column('sealed_at', portal.db.UTCDateTime()),
        )
        values = {
            'event_id': event_id,
            'event_hash': event_hash,
            'mac': seal.head_seal(event_id, event_hash, now),
            'sealed_at': now,
        }
        bind.execute(head.insert().values(id=1, **values))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        from portal.audit import guard

        for statement in guard.remove_statements():
            op.execute(statement)
    op.drop_table('letter_file')
    op.drop_table('audit_checkpoint')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_event', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('seal')
