"""The city centre service (三级联动) on PostgreSQL: the halls' records, and the city's pages over them."""
