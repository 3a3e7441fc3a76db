/* Server log lines on stderr, one per event, with a level and a timestamp. */
#ifndef SKOLNAV_LOG_H
#define SKOLNAV_LOG_H

enum { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };
extern int log_level;
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
