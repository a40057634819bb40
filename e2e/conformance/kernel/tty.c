/*
 * Console input as the real kernel has it (hvc, no interrupt): a khvcd
 * kernel thread polls wasm_driver_hvc_get with the generic hvc core's
 * back-off (spec 2.13) and feeds a canonical-mode line discipline (echo,
 * erase, ICRNL, ^C, ^D); read(0) blocks until a whole line is there.
 * Also the per-task file table and pipes the shell-like program needs.
 * khvcd is the only reader of console input in every scenario (issue 19
 * item 5), always under the console lock the puts hold (con_get): realboot
 * and churn feed the line discipline with it; the scenarios that look at
 * input themselves (input, flood) start it in raw mode and
 * read the bytes it queued (con_input_*), as a tty's reader reads the flip
 * buffer, never the host.
 */
#include "kernel.h"

/* ---- line discipline ---- */
#define TTY_BUF 4096
static volatile int tty_lock;
static char tty_line[TTY_BUF]; /* the line being edited */
static int tty_line_len;
static char tty_ready[TTY_BUF]; /* completed lines, not yet read */
static volatile int tty_ready_len;
static volatile int tty_eof; /* ^D on an empty line: the next read returns 0 */
static struct task *volatile tty_reader;
volatile int khvcd_polls, khvcd_timeout_ms;
/* the foreground process group (TIOCSPGRP; 0: none): ^C's SIGINT goes there */
volatile int tty_pgrp, tty_intr_sent;
/* termios (TCGETS/TCSETS): c_lflag and c_cc[VINTR] are what this tty acts on;
   the rest is kept and handed back. BusyBox's line editing turns ICANON and
   ECHO off and disables VINTR while it reads a line, and restores them
   before it runs the command. */
#define ISIG 0x1
#define ICANON 0x2
#define ECHO 0x8
#define VINTR 0
struct termios_k {
	u32 c_iflag, c_oflag, c_cflag, c_lflag;
	u8 c_line, c_cc[19];
};
static struct termios_k tty_termios = {0x500 /* ICRNL|IXON */, 0x5 /* OPOST|ONLCR */, 0xbf, 0x8a3b /* ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN */,
				       0, {3, 28, 127, 21, 4, 0, 1}};

static void tty_commit_locked(void)
{
	int n = tty_line_len;
	if (n > TTY_BUF - tty_ready_len)
		n = TTY_BUF - tty_ready_len;
	memcpy(tty_ready + tty_ready_len, tty_line, n);
	tty_ready_len += n;
	tty_line_len = 0;
}

/* One input byte through the line discipline; echoes like ECHO|ECHOE|ECHOCTL. */
static void tty_receive(u8 c)
{
	char echo[4];
	int en = 0, wake = 0, intr = 0;
	spin_lock(&tty_lock);
	u32 lflag = tty_termios.c_lflag;
	if (c == '\r' && (tty_termios.c_iflag & 0x100))
		c = '\n'; /* ICRNL */
	if ((lflag & ISIG) && c && c == tty_termios.c_cc[VINTR]) {
		/* isig(): flush, echo, SIGINT to the foreground group */
		tty_line_len = 0;
		if (lflag & ECHO) {
			memcpy(echo, "^C\r\n", 4);
			en = 4;
		}
		intr = tty_pgrp;
	} else if (!(lflag & ICANON)) {
		/* non-canonical, VMIN 1: every byte is readable at once */
		if (tty_ready_len < TTY_BUF)
			tty_ready[tty_ready_len++] = c;
		if (lflag & ECHO) {
			echo[0] = c;
			en = 1;
		}
		wake = 1;
	} else if (c == 0x7f || c == 0x08) { /* VERASE */
		if (tty_line_len > 0) {
			/* a UTF-8 character goes as a whole */
			do
				tty_line_len--;
			while (tty_line_len > 0 && (tty_line[tty_line_len] & 0xc0) == 0x80);
			if (lflag & ECHO) {
				memcpy(echo, "\b \b", 3);
				en = 3;
			}
		}
	} else if (c == 0x04) { /* VEOF */
		if (tty_line_len == 0)
			tty_eof = 1;
		else
			tty_commit_locked();
		wake = 1;
	} else if (c == '\n') {
		if (tty_line_len < TTY_BUF)
			tty_line[tty_line_len++] = '\n';
		tty_commit_locked();
		if (lflag & ECHO) {
			memcpy(echo, "\r\n", 2);
			en = 2;
		}
		wake = 1;
	} else if (tty_line_len < TTY_BUF - 1) {
		tty_line[tty_line_len++] = c;
		if (lflag & ECHO) {
			echo[0] = c;
			en = 1;
		}
	}
	struct task *r = wake ? tty_reader : NULL;
	spin_unlock(&tty_lock);
	if (en)
		con_tty_write(echo, en);
	if (r)
		wake_up(r);
	if (intr) { /* isig(): after the echo, as n_tty does */
		__atomic_fetch_add((int *)&tty_intr_sent, 1, __ATOMIC_SEQ_CST);
		kill_pgrp(intr, 2);
	}
}

static int tty_readable(void *a)
{
	(void)a;
	return tty_ready_len > 0 || tty_eof;
}

/* read(2) on the console in canonical mode: at most one line. */
static int tty_read(char *buf, int count)
{
	struct task *t = current();
	for (;;) {
		spin_lock(&tty_lock);
		if (tty_ready_len > 0) {
			int n = 0;
			int canon = tty_termios.c_lflag & ICANON;
			while (n < count && n < tty_ready_len) {
				buf[n] = tty_ready[n];
				if (tty_ready[n++] == '\n' && canon)
					break;
			}
			memcpy(tty_ready, tty_ready + n, tty_ready_len - n);
			tty_ready_len -= n;
			spin_unlock(&tty_lock);
			return n;
		}
		if (tty_eof) {
			tty_eof = 0;
			spin_unlock(&tty_lock);
			return 0;
		}
		tty_reader = t;
		spin_unlock(&tty_lock);
		if (wait_interruptible(tty_readable, NULL, -1) < 0)
			return -ERESTARTSYS;
	}
}

/* ---- khvcd's raw sink and statistics (con_input_*) ---- */
#define RAW_BUF 4096
static volatile int raw_lock;
static u8 raw_buf[RAW_BUF];
static volatile u32 raw_head, raw_tail; /* bytes [raw_tail, raw_head) mod RAW_BUF */
static volatile int khvcd_raw, khvcd_throttled;
static struct task *volatile khvcd_task;
/* every hvc_get call khvcd made: more than count returned, negative
   returns, empty polls and the slowest of them */
volatile int khvcd_over, khvcd_neg, khvcd_empty;
volatile u64 khvcd_max_empty_ns;

/* khvcd asks at most for the room left (tty_buffer_request_room): what does
   not fit stays in the host's ring */
static void raw_put(u8 c)
{
	spin_lock(&raw_lock);
	if (raw_head - raw_tail < RAW_BUF)
		raw_buf[raw_head++ % RAW_BUF] = c;
	spin_unlock(&raw_lock);
}

static int raw_room(void)
{
	spin_lock(&raw_lock);
	int r = RAW_BUF - (int)(raw_head - raw_tail);
	spin_unlock(&raw_lock);
	return r;
}

int con_input_read(u8 *buf, int max)
{
	int n = 0;
	spin_lock(&raw_lock);
	while (n < max && raw_tail != raw_head)
		buf[n++] = raw_buf[raw_tail++ % RAW_BUF];
	spin_unlock(&raw_lock);
	return n;
}

/* A throttled tty (its buffer full): khvcd leaves input in the host's ring,
   as hvc_poll does when the tty has no room. */
void con_input_throttle(int on) { khvcd_throttled = on; }

/* khvcd: the only caller of wasm_driver_hvc_get in every scenario. The
   generic hvc core sleeps MIN_TIMEOUT (10 ms) after a poll that got data,
   t + t/64 + 1 ms (at most MAX_TIMEOUT, 2000 ms) after an empty one; the
   sleep is msecs_to_jiffies(t) + 1 jiffies at HZ=100. It keeps calling while
   calls return data. */
static int khvcd(void *a)
{
	(void)a;
	/* before its first read: kthread_create's caller may set it later */
	khvcd_task = current();
	int timeout = 10;
	char buf[16];
	for (;;) {
		int got = 0;
		while (khvcd_throttled)
			sleep_ms(10);
		for (;;) {
			int count = 16;
			if (khvcd_raw && raw_room() < count)
				count = raw_room();
			if (count == 0) /* no room: like a throttled tty, poll later */
				break;
			u64 dt = 0;
			int n = con_get(buf, count, &dt);
			khvcd_polls++;
			if (n < 0)
				khvcd_neg++;
			if (n == 0) {
				khvcd_empty++;
				if (dt > khvcd_max_empty_ns)
					khvcd_max_empty_ns = dt;
			}
			if (n <= 0)
				break;
			got = 1;
			if (n > count) {
				khvcd_over = 1;
				n = count;
			}
			for (int i = 0; i < n; i++)
				if (khvcd_raw)
					raw_put((u8)buf[i]);
				else
					tty_receive((u8)buf[i]);
		}
		if (got)
			timeout = 10;
		else if (timeout < 2000) {
			timeout += timeout / 64 + 1;
			if (timeout > 2000)
				timeout = 2000;
		}
		khvcd_timeout_ms = timeout;
		sleep_ms(((timeout + 9) / 10 + 1) * 10);
	}
	return 0;
}

struct task *start_khvcd(int cpu)
{
	khvcd_raw = 0;
	if (!khvcd_task)
		khvcd_task = kthread_create(khvcd, NULL, "khvcd", cpu, 0);
	return khvcd_task;
}

int is_khvcd(struct task *t) { return t && t == khvcd_task; }

/* khvcd in raw mode, started once, on another CPU than the caller's (a
   scenario that prints without pause, like flood, never lets its own CPU
   go); returns once it has polled. */
void con_input_start(void)
{
	khvcd_raw = 1;
	if (!khvcd_task) {
		int self = current()->cpu, cpu = self;
		for (int i = 1; i < NR_CPUS && cpu == self; i++)
			if (cpus[(self + i) % NR_CPUS].online)
				cpu = (self + i) % NR_CPUS;
		khvcd_task = kthread_create(khvcd, NULL, "khvcd", cpu, 0);
	}
	u64 end = now() + 10000000000ULL;
	while (!khvcd_polls && now() < end)
		sleep_ms(1);
}

/* ---- pipes and file tables ---- */
#define NPIPES 32
#define PIPE_BUF_SIZE 4096
struct pipe {
	volatile int readers, writers;
	volatile int len;
	struct task *volatile rwait, *volatile wwait;
	char buf[PIPE_BUF_SIZE];
};
static struct pipe pipes[NPIPES];
static volatile int pipe_lock;

#define FD_CLOSED 0
#define FD_CONSOLE 1
#define FD_PIPE_R 2
#define FD_PIPE_W 3
#define FD_KIND(v) ((v) & 3)
#define FD_PIPE(v) (&pipes[(v) >> 2])

static void fd_get_locked(int v)
{
	if (FD_KIND(v) == FD_PIPE_R)
		FD_PIPE(v)->readers++;
	else if (FD_KIND(v) == FD_PIPE_W)
		FD_PIPE(v)->writers++;
}

static void fd_put(int v)
{
	struct task *w = NULL;
	spin_lock(&pipe_lock);
	if (FD_KIND(v) == FD_PIPE_R) {
		struct pipe *p = FD_PIPE(v);
		if (--p->readers == 0)
			w = p->wwait;
	} else if (FD_KIND(v) == FD_PIPE_W) {
		struct pipe *p = FD_PIPE(v);
		if (--p->writers == 0)
			w = p->rwait; /* EOF for the reader */
	}
	spin_unlock(&pipe_lock);
	if (w)
		wake_up(w);
}

void files_init(struct task *t)
{
	for (int i = 0; i < NFDS; i++)
		t->fds[i] = i < 3 ? FD_CONSOLE : FD_CLOSED;
}

void files_copy(struct task *to, struct task *from)
{
	spin_lock(&pipe_lock);
	for (int i = 0; i < NFDS; i++) {
		to->fds[i] = from->fds[i];
		fd_get_locked(to->fds[i]);
	}
	spin_unlock(&pipe_lock);
}

void files_close_all(struct task *t)
{
	for (int i = 0; i < NFDS; i++) {
		int v = t->fds[i];
		t->fds[i] = FD_CLOSED;
		if (v)
			fd_put(v);
	}
}

static int sys_pipe2(struct task *t, int *ufds)
{
	int r = -1, w = -1;
	for (int i = 0; i < NFDS && (r < 0 || w < 0); i++)
		if (!t->fds[i]) {
			if (r < 0)
				r = i;
			else
				w = i;
		}
	if (r < 0 || w < 0)
		return -24; /* EMFILE */
	spin_lock(&pipe_lock);
	int k;
	for (k = 0; k < NPIPES; k++)
		if (!pipes[k].readers && !pipes[k].writers)
			break;
	if (k == NPIPES) {
		spin_unlock(&pipe_lock);
		return -23; /* ENFILE */
	}
	struct pipe *p = &pipes[k];
	p->len = 0;
	p->rwait = p->wwait = NULL;
	p->readers = p->writers = 1;
	spin_unlock(&pipe_lock);
	t->fds[r] = k << 2 | FD_PIPE_R;
	t->fds[w] = k << 2 | FD_PIPE_W;
	ufds[0] = r;
	ufds[1] = w;
	return 0;
}

static int pipe_readable(void *a)
{
	struct pipe *p = a;
	return p->len > 0 || p->writers == 0;
}

static int pipe_writable(void *a)
{
	struct pipe *p = a;
	return p->len < PIPE_BUF_SIZE || p->readers == 0;
}

static int pipe_read(struct pipe *p, char *buf, int count)
{
	struct task *t = current();
	for (;;) {
		spin_lock(&pipe_lock);
		if (p->len > 0) {
			int n = count < p->len ? count : p->len;
			memcpy(buf, p->buf, n);
			memcpy(p->buf, p->buf + n, p->len - n);
			p->len -= n;
			struct task *w = p->wwait;
			spin_unlock(&pipe_lock);
			if (w)
				wake_up(w);
			return n;
		}
		if (p->writers == 0) {
			spin_unlock(&pipe_lock);
			return 0;
		}
		p->rwait = t;
		spin_unlock(&pipe_lock);
		if (wait_interruptible(pipe_readable, p, -1) < 0)
			return -ERESTARTSYS;
	}
}

static int pipe_write(struct pipe *p, const char *buf, int count)
{
	struct task *t = current();
	int done = 0;
	while (done < count) {
		spin_lock(&pipe_lock);
		if (p->readers == 0) {
			spin_unlock(&pipe_lock);
			return done ? done : -32; /* EPIPE (no SIGPIPE in this model) */
		}
		int room = PIPE_BUF_SIZE - p->len;
		if (room > 0) {
			int n = count - done < room ? count - done : room;
			memcpy(p->buf + p->len, buf + done, n);
			p->len += n;
			done += n;
			struct task *r = p->rwait;
			spin_unlock(&pipe_lock);
			if (r)
				wake_up(r);
			continue;
		}
		p->wwait = t;
		spin_unlock(&pipe_lock);
		if (wait_interruptible(pipe_writable, p, -1) < 0)
			return done ? done : -ERESTARTSYS;
	}
	return done;
}

static int fd_value(struct task *t, u32 fd)
{
	return fd < NFDS ? t->fds[fd] : FD_CLOSED;
}

int sys_read(struct task *t, u32 fd, char *buf, int count)
{
	int v = fd_value(t, fd);
	if (count < 0)
		return -22;
	switch (FD_KIND(v)) {
	case FD_CONSOLE:
		return tty_read(buf, count);
	case FD_PIPE_R:
		return pipe_read(FD_PIPE(v), buf, count);
	}
	return -9; /* EBADF */
}

/* OPOST|ONLCR, as a real tty's default termios: "\n" goes out as "\r\n".
   Set by the realboot/churn scenarios only; the others keep their exact
   single puts. */
volatile int tty_onlcr;

static void tty_write_onlcr(const char *buf, int count)
{
	char out[512];
	int o = 0;
	for (int i = 0; i < count; i++) {
		if (o >= (int)sizeof(out) - 2) {
			con_tty_write(out, o);
			o = 0;
		}
		if (buf[i] == '\n')
			out[o++] = '\r';
		out[o++] = buf[i];
	}
	if (o)
		con_tty_write(out, o);
}

int sys_write(struct task *t, u32 fd, const char *buf, int count)
{
	int v = fd_value(t, fd);
	if (count < 0)
		return -22;
	switch (FD_KIND(v)) {
	case FD_CONSOLE:
		if (tty_onlcr)
			tty_write_onlcr(buf, count);
		else
			con_tty_write(buf, count);
		return count;
	case FD_PIPE_W:
		return pipe_write(FD_PIPE(v), buf, count);
	}
	return -9;
}

int sys_file_call(struct task *t, int nr, u32 *a, int *handled)
{
	*handled = 1;
	switch (nr) {
	case 59: /* pipe2(fds, flags) */
		return sys_pipe2(t, (int *)a[0]);
	case 57: { /* close */
		int v = fd_value(t, a[0]);
		if (!v)
			return -9;
		t->fds[a[0]] = FD_CLOSED;
		fd_put(v);
		return 0;
	}
	case 29: { /* ioctl(fd, cmd, arg): the console's foreground process group */
		int v = fd_value(t, a[0]);
		if (!v)
			return -9;
		if (FD_KIND(v) != FD_CONSOLE)
			return -25; /* ENOTTY */
		if (a[1] == 0x540f) { /* TIOCGPGRP */
			*(int *)a[2] = tty_pgrp;
			return 0;
		}
		if (a[1] == 0x5410) { /* TIOCSPGRP */
			tty_pgrp = *(int *)a[2];
			return 0;
		}
		if (a[1] == 0x5401) { /* TCGETS */
			memcpy((void *)a[2], &tty_termios, sizeof(tty_termios));
			return 0;
		}
		if (a[1] >= 0x5402 && a[1] <= 0x5404) { /* TCSETS, TCSETSW, TCSETSF */
			spin_lock(&tty_lock);
			u32 was = tty_termios.c_lflag;
			memcpy(&tty_termios, (void *)a[2], sizeof(tty_termios));
			if ((was & ICANON) && !(tty_termios.c_lflag & ICANON))
				tty_commit_locked(); /* a half-edited line becomes readable bytes */
			if (a[1] == 0x5404)
				tty_ready_len = tty_line_len = 0; /* TCSETSF: flush input */
			spin_unlock(&tty_lock);
			return 0;
		}
		return -25;
	}
	case 24: { /* dup3(old, new, flags) */
		int v = fd_value(t, a[0]);
		if (!v || a[1] >= NFDS)
			return -9;
		if (a[0] == a[1])
			return -22;
		spin_lock(&pipe_lock);
		fd_get_locked(v);
		spin_unlock(&pipe_lock);
		int old = t->fds[a[1]];
		t->fds[a[1]] = v;
		if (old)
			fd_put(old);
		return a[1];
	}
	}
	*handled = 0;
	return 0;
}
