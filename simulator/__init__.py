"""The scenario engine and live sessions: people, cohorts, schedules, rooms, settings, database, CLI."""

__version__ = "0.1.0"
