/* scrub_rate.c - token buckets that keep a pass within its budget */
#include "config.h"

#include "scrubd.h"

void
scrub_rate_init(struct scrub_rate *r, double rate, double burst,
    uint64_t now_us)
{
	r->sr_rate = rate > 0 ? rate : 1;
	r->sr_burst = burst > 0 ? burst : r->sr_rate;
	r->sr_tokens = r->sr_burst;
	r->sr_last_us = now_us;
}

/* scrub_rate_refill adds what the time since the last refill earned. */
static void
scrub_rate_refill(struct scrub_rate *r, uint64_t now_us)
{
	if (now_us <= r->sr_last_us)
		return;
	r->sr_tokens += (double)(now_us - r->sr_last_us) * r->sr_rate / 1e6;
	if (r->sr_tokens > r->sr_burst)
		r->sr_tokens = r->sr_burst;
	r->sr_last_us = now_us;
}

uint64_t
scrub_rate_take(struct scrub_rate *r, double n, uint64_t now_us)
{
	scrub_rate_refill(r, now_us);
	r->sr_tokens -= n;
	if (r->sr_tokens >= 0)
		return 0;
	/* Round up: waiting one microsecond too few would overdraw again. */
	return (uint64_t)(-r->sr_tokens * 1e6 / r->sr_rate) + 1;
}
