/* sdnotify.c - the three moments a daemon tells systemd about */
#include "config.h"

#include <systemd/sd-daemon.h>

#include "sdnotify.h"

void
sdnotify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
sdnotify_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void
sdnotify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
