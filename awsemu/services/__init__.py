"""One module per AWS service the emulator extends; each registers handlers from awsemu.core."""
