/* placeholder */
#include "cli.h"
int cmd_diff(const cli_opts *o)
{
	(void)o;
	return EXIT_USAGE;
}
