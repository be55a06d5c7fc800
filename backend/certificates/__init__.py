"""Linked electronic certificates: types, issuing by agencies, signatures, holder view and concessions."""
