"""Service points and self-service terminals (服务网点), and tickets: consultations and complaints (Art. 5, 11)."""
