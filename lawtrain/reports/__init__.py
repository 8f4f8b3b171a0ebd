"""Reports: dashboard, completion, item analysis, weak articles, exports."""
