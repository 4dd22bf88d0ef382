"""Writes for studios, one module per part of running one: founding (at publication), the
team, recruitment, activities and attendance, growth files, plans, outputs. Each write is a
keyword-only service that checks permission and content; state moves go through
``studios.workflow``; refusals are ``studios.errors.StudioError``."""
