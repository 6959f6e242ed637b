"""Stored connection checks: each person's results, and the latest one per person for coaches."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import Session, col, select

from simulator.connection_advice import Advice, Figures, advise
from simulator.models import ConnectionCheck


def record(session: Session, person_id: int, figures: Figures) -> tuple[ConnectionCheck, Advice]:
    """Store one check with the verdict recomputed here from its figures."""
    advice = advise(figures)
    check = ConnectionCheck(
        person_id=person_id,
        rtt_ms=figures.rtt_ms,
        jitter_ms=figures.jitter_ms,
        loss_percent=figures.loss_percent,
        bitrate_kbps=figures.bitrate_kbps,
        relayed=figures.relayed,
        verdict=advice.verdict,
        advice=advice.text,
    )
    session.add(check)
    session.flush()
    return check, advice


def recent(session: Session, person_id: int, limit: int = 5) -> list[ConnectionCheck]:
    """One person's latest checks, newest first."""
    return list(
        session.exec(
            select(ConnectionCheck)
            .where(ConnectionCheck.person_id == person_id)
            .order_by(col(ConnectionCheck.created_at).desc(), col(ConnectionCheck.id).desc())
            .limit(limit)
        )
    )


def latest_by_person(session: Session, person_ids: Iterable[int]) -> dict[int, ConnectionCheck]:
    """Each person's most recent check (people who never ran one are left out)."""
    ids = set(person_ids)
    if not ids:
        return {}
    newest = (
        select(func.max(col(ConnectionCheck.id)).label("id"))
        .where(col(ConnectionCheck.person_id).in_(ids))
        .group_by(col(ConnectionCheck.person_id))
        .subquery()
    )
    rows = session.exec(
        select(ConnectionCheck).join(newest, col(ConnectionCheck.id) == newest.c.id)
    )
    return {check.person_id: check for check in rows}
