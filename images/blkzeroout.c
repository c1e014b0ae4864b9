/* blkzeroout DEV OFFSET LENGTH: BLKZEROOUT ioctl, i.e. WRITE_ZEROES on virtio-blk (busybox lacks blkdiscard -z). */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>

int main(int argc, char **argv)
{
	uint64_t range[2];
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: blkzeroout DEVICE OFFSET LENGTH\n");
		return 2;
	}
	range[0] = strtoull(argv[2], NULL, 0);
	range[1] = strtoull(argv[3], NULL, 0);
	fd = open(argv[1], O_WRONLY);
	if (fd < 0 || ioctl(fd, BLKZEROOUT, range) < 0) {
		perror("blkzeroout");
		return 1;
	}
	return 0;
}
