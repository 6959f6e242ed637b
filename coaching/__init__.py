"""Coaching: rubrics, scores, notes, feedback, self-assessment, progress and certificates."""
