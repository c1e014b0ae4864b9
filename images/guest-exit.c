/* guest-exit N: ends minivmm with status N by writing the byte to the exit device (port 0xf4). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	char *end;
	long n;

	if (argc != 2 || (n = strtol(argv[1], &end, 0), *end) || n < 0 || n > 255) {
		fprintf(stderr, "usage: guest-exit STATUS (0-255)\n");
		return 2;
	}
	if (ioperm(0xf4, 1, 1) < 0) {
		perror("guest-exit: ioperm");
		return 1;
	}
	outb((unsigned char)n, 0xf4);
	return 0; /* only reached when no exit device is there */
}
