/* sig.h - the main thread's signal loop */
#ifndef CAIRN_SIG_H
#define CAIRN_SIG_H

enum sig_event {
	SIG_STOP,	/* TERM or INT: shut down */
	SIG_RELOAD,	/* HUP: reload the configuration */
};

/*
 * sig_block blocks TERM, INT, HUP and PIPE in the calling thread; call it in
 * main() before any thread starts so that every thread inherits the mask and
 * only sig_wait sees the signals.
 */
void sig_block(void);

/* sig_wait sleeps in sigwait(2) until TERM, INT or HUP arrives. */
enum sig_event sig_wait(void);

#endif
