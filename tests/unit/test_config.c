/* Option parsing: sizes, ranges, disks, the console default and the error lines. */
#include "tests/unit/check.h"
#include "vmm/config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

static enum config_result parse(struct config *c, char *err, const char *a0, ...)
{
	char *argv[16] = { "minivmm" };
	int argc = 1;
	va_list ap;

	va_start(ap, a0);
	for (const char *a = a0; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	return config_parse(c, argc, argv, err, 256);
}

int main(void)
{
	static struct config c;
	char err[256];
	char d1[] = "disk.img", d2[] = "path=/x.img,ro,serial=abc,cache=writeback", d3[] = "a.img,ro",
	     d4[] = "path=x,bogus=1", d5[] = "", d6[] = "ro", d7[] = "a.img,ro,ro",
	     d8[] = "a.img,path=b.img", d9[] = "a,serial=x,serial=y", d10[] = "a,cache=none,cache=none";
	struct config_disk d;
	uint64_t v;

	CHECK(config_parse_size("512M", &v) == 0 && v == 512ull << 20);
	CHECK(config_parse_size("2G", &v) == 0 && v == 2ull << 30);
	CHECK(config_parse_size("2GiB", &v) == 0 && v == 2ull << 30);
	CHECK(config_parse_size("4096", &v) == 0 && v == 4096);
	CHECK(config_parse_size("", &v) == -EINVAL);
	CHECK(config_parse_size("-1G", &v) == -EINVAL);
	CHECK(config_parse_size("12X", &v) == -EINVAL);
	CHECK(config_parse_size("G", &v) == -EINVAL);
	CHECK(config_parse_size("99999999999999999999", &v) == -ERANGE);
	CHECK(config_parse_size("99999999999T", &v) == -ERANGE);

	CHECK(parse(&c, err, "--kernel", "k", NULL) == CONFIG_OK);
	CHECK(c.memory == 512ull << 20 && c.cpus == 1 && c.timeout == 0);
	CHECK(!strcmp(c.cmdline, "console=ttyS0 reboot=acpi"));
	CHECK(parse(&c, err, "-k", "k", "--cmdline", "quiet", NULL) == CONFIG_OK);
	CHECK(!strcmp(c.cmdline, "quiet console=ttyS0 reboot=acpi"));
	CHECK(parse(&c, err, "-k", "k", "--cmdline", "console=hvc0 x", NULL) == CONFIG_OK);
	CHECK(!strcmp(c.cmdline, "console=hvc0 x reboot=acpi"));
	CHECK(parse(&c, err, "-k", "k", "--cmdline", "reboot=k", NULL) == CONFIG_OK);
	CHECK(!strcmp(c.cmdline, "reboot=k console=ttyS0"));
	CHECK(parse(&c, err, "-k", "k", "--cmdline", "xconsole=1", NULL) == CONFIG_OK);
	CHECK(strstr(c.cmdline, " console=ttyS0") != NULL);
	CHECK(parse(&c, err, "-k", "k", "--cpus", "8", "--memory", "2G", "--timeout", "5", NULL) ==
	      CONFIG_OK);
	CHECK(c.cpus == 8 && c.memory == 2ull << 30 && c.timeout == 5);
	CHECK(!c.prefault && !c.hugepages);
	CHECK(parse(&c, err, "-k", "k", "--prefault", "--hugepages", "--memory", "6M", NULL) ==
	      CONFIG_ERROR); /* below the minimum anyway */
	CHECK(parse(&c, err, "-k", "k", "--prefault", "--hugepages", "--memory", "66M", NULL) ==
	      CONFIG_OK);
	CHECK(c.prefault && c.hugepages);
	CHECK(parse(&c, err, "-k", "k", "--hugepages", "--memory", "65M", NULL) == CONFIG_ERROR &&
	      strstr(err, "multiple of 2M"));
	CHECK(parse(&c, err, "-k", "k", "--memory", "65M", NULL) == CONFIG_OK);

	CHECK(parse(&c, err, NULL) == CONFIG_ERROR && strstr(err, "no kernel"));
	CHECK(parse(&c, err, "-k", "k", "--cpus", "0", NULL) == CONFIG_ERROR && strstr(err, "--cpus"));
	CHECK(parse(&c, err, "-k", "k", "--cpus", "65", NULL) == CONFIG_ERROR);
	CHECK(parse(&c, err, "-k", "k", "--cpus", "-1", NULL) == CONFIG_ERROR);
	CHECK(parse(&c, err, "-k", "k", "--cpus", "2x", NULL) == CONFIG_ERROR);
	CHECK(parse(&c, err, "-k", "k", "--memory", "1K", NULL) == CONFIG_ERROR &&
	      strstr(err, "too small"));
	CHECK(parse(&c, err, "-k", "k", "--memory", "5T", NULL) == CONFIG_ERROR &&
	      strstr(err, "too large"));
	CHECK(parse(&c, err, "-k", "k", "--memory", "lots", NULL) == CONFIG_ERROR &&
	      strstr(err, "not a size"));
	CHECK(parse(&c, err, "-k", "k", "--timeout", "0", NULL) == CONFIG_ERROR);
	CHECK(parse(&c, err, "-k", "k", "--bogus", NULL) == CONFIG_ERROR && strstr(err, "--bogus"));
	CHECK(parse(&c, err, "-k", "k", "extra", NULL) == CONFIG_ERROR && strstr(err, "extra"));
	CHECK(parse(&c, err, "-k", NULL) == CONFIG_ERROR && strstr(err, "needs an argument"));
	CHECK(parse(&c, err, "-k", "", NULL) == CONFIG_ERROR);

	CHECK(config_parse_disk(d1, &d, err, sizeof(err)) == 0 && !strcmp(d.path, "disk.img") &&
	      !d.readonly && d.cache == CONFIG_CACHE_NONE);
	CHECK(config_parse_disk(d2, &d, err, sizeof(err)) == 0 && !strcmp(d.path, "/x.img") &&
	      d.readonly && !strcmp(d.serial, "abc") && d.cache == CONFIG_CACHE_WRITEBACK);
	CHECK(config_parse_disk(d3, &d, err, sizeof(err)) == 0 && !strcmp(d.path, "a.img") &&
	      d.readonly);
	CHECK(config_parse_disk(d4, &d, err, sizeof(err)) < 0 && strstr(err, "bogus"));
	CHECK(config_parse_disk(d5, &d, err, sizeof(err)) < 0);
	CHECK(config_parse_disk(d6, &d, err, sizeof(err)) == 0 && !strcmp(d.path, "ro"));
	CHECK(parse(&c, err, "-k", "k", "--disk", "a", "--disk", "a", NULL) == CONFIG_ERROR &&
	      strstr(err, "twice"));
	/* Repeats are refused, naming the option; only --disk repeats. */
	CHECK(parse(&c, err, "-k", "k", "-k", "k", NULL) == CONFIG_ERROR &&
	      strstr(err, "'--kernel' given twice"));
	CHECK(parse(&c, err, "-k", "k", "--memory", "1G", "-m", "1G", NULL) == CONFIG_ERROR &&
	      strstr(err, "'--memory' given twice"));
	CHECK(parse(&c, err, "-k", "k", "--stats", "--stats", NULL) == CONFIG_ERROR &&
	      strstr(err, "'--stats' given twice"));
	CHECK(parse(&c, err, "-k", "k", "--trace", "--trace=exit", NULL) == CONFIG_ERROR &&
	      strstr(err, "'--trace' given twice"));
	CHECK(parse(&c, err, "-k", "k", "--disk", "a", "--disk", "b", NULL) == CONFIG_OK && c.ndisks == 2);
	CHECK(parse(&c, err, "-k", "k", "--trace=", NULL) == CONFIG_ERROR && strstr(err, "--trace"));
	CHECK(config_parse_disk(d7, &d, err, sizeof(err)) < 0 && strstr(err, "'ro' given twice"));
	CHECK(config_parse_disk(d8, &d, err, sizeof(err)) < 0 && strstr(err, "'path' given twice"));
	CHECK(config_parse_disk(d9, &d, err, sizeof(err)) < 0 && strstr(err, "'serial' given twice"));
	CHECK(config_parse_disk(d10, &d, err, sizeof(err)) < 0 && strstr(err, "'cache' given twice"));

	/* queues= and aio=: bounds, spellings, and the default of one queue per vCPU up to 16. */
	{
		char q1[] = "a,queues=4,aio=io_uring", q2[] = "a,queues=0", q3[] = "a,queues=17",
		     q4[] = "a,queues=-1", q5[] = "a,aio=posix", q6[] = "a,queues=16,aio=libaio",
		     q7[] = "a,queues=", q8[] = "a,queues=4x", q9[] = "b,queues=2",
		     q10[] = "a,aio=libaio,aio=io_uring", q11[] = "a,queues=2,queues=3";

		CHECK(config_parse_disk(q1, &d, err, sizeof(err)) == 0 && d.queues == 4 &&
		      d.aio == CONFIG_AIO_IO_URING);
		CHECK(config_parse_disk(q2, &d, err, sizeof(err)) < 0 && strstr(err, "1 to 16"));
		CHECK(config_parse_disk(q3, &d, err, sizeof(err)) < 0 && strstr(err, "'17'"));
		CHECK(config_parse_disk(q4, &d, err, sizeof(err)) < 0);
		CHECK(config_parse_disk(q5, &d, err, sizeof(err)) < 0 && strstr(err, "aio=posix"));
		CHECK(config_parse_disk(q6, &d, err, sizeof(err)) == 0 && d.queues == 16 &&
		      d.aio == CONFIG_AIO_LIBAIO);
		CHECK(config_parse_disk(q7, &d, err, sizeof(err)) < 0);
		CHECK(config_parse_disk(q8, &d, err, sizeof(err)) < 0);
		CHECK(config_parse_disk(q10, &d, err, sizeof(err)) < 0 && strstr(err, "'aio' given twice"));
		CHECK(config_parse_disk(q11, &d, err, sizeof(err)) < 0 &&
		      strstr(err, "'queues' given twice"));
		CHECK(config_parse_disk(d1, &d, err, sizeof(err)) == 0 && d.queues == 0 &&
		      d.aio == CONFIG_AIO_LIBAIO);
		CHECK(parse(&c, err, "-k", "k", "--disk", "a", NULL) == CONFIG_OK &&
		      c.disks[0].queues == 1);
		CHECK(parse(&c, err, "-k", "k", "-p", "6", "--disk", "a", "--disk", q9, NULL) ==
			      CONFIG_OK &&
		      c.disks[0].queues == 6 && c.disks[1].queues == 2);
		CHECK(parse(&c, err, "--disk", "a", "-p", "64", "-k", "k", NULL) == CONFIG_OK &&
		      c.disks[0].queues == 16);
	}
	return check_summary();
}
