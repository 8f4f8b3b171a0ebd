"""Departments (a tree) and staff administration."""
