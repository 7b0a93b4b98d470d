"""Ranger patrol planning: travel cost, orienteering routes, month plans and field files."""
