"""What a participant does and sees through the bot (apply, balance, overview:
`services`), and the erasure of a participant (`erasure`)."""
