"""The card lifecycle: applications, cards and e-cards, devices, cooperating banks, revocations."""
