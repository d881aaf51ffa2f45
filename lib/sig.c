/* sig.c - the main thread's signal loop */
#include "config.h"

#include <pthread.h>
#include <signal.h>

#include "log.h"
#include "sig.h"

static void
sig_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

void
sig_block(void)
{
	sigset_t set;

	/* A parent (nohup, a shell) may have left these ignored. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sig_set(&set);
	sigaddset(&set, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		fatalx("%s: pthread_sigmask failed", __func__);
}

enum sig_event
sig_wait(void)
{
	sigset_t set;
	int sig;

	sig_set(&set);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			return SIG_RELOAD;
		return SIG_STOP;
	}
}
