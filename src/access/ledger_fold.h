/* The fold of the disclosure ledger's journal into ledger_row (ledger.c
 * journals, ledger_fold.c folds). Internal to src/access/. */
#ifndef SKOLNAV_LEDGER_FOLD_H
#define SKOLNAV_LEDGER_FOLD_H

#include "store/store.h"

/* The precision of the ledger's "last time received": a row whose last is
 * this recent is not rewritten for a later disclosure of the same
 * categories, so that a walk repeated within it costs reads, not writes. */
#define LEDGER_LAST_RESOLUTION_MS 60000

/* Folds every journal row there is when it starts (later rows wait for the
 * next fold), a batch of keys at a time. STORE_OK or STORE_ERR (logged). */
int ledger_fold_run(store *st);

#endif
