/* sdnotify.h - the three moments a daemon tells systemd about */
#ifndef CAIRN_SDNOTIFY_H
#define CAIRN_SDNOTIFY_H

/* sdnotify_ready sends READY=1 with a STATUS= line; a no-op without systemd. */
void sdnotify_ready(const char *status);

/* sdnotify_reloading sends RELOADING=1 before a configuration reload. */
void sdnotify_reloading(void);

/* sdnotify_stopping sends STOPPING=1 when shutdown begins. */
void sdnotify_stopping(void);

#endif
