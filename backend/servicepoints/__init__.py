"""Service points and self-service terminals (服务网点), and consultation and complaints (Art. 5, 11)."""
