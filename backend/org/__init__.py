"""The province's organisation: cities, offices, cooperating banks and agencies."""
