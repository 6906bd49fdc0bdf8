"""Importing the bureau's spreadsheets (CSV, XLSX) and exporting reports: validated, all or nothing."""
