"""The application catalog (一卡通应用目录): versioned items, city extensions, what is in effect when."""
