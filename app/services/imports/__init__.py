"""Importing the volunteers' spreadsheets: read, map columns, plan, apply."""
