"""Laws, articles, course modules, study records and the training gate."""
