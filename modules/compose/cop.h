/* cop.h - the compose module's parts: one compose operation (`up`,
 * `down`, `ps`, `start`, `stop`, `restart`) as a list of actions, each a
 * request skiffd makes of itself through the command table (core/ctl.h
 * ctl_call), run one after the other on the loop.
 *
 * The module owns no durable state of its own: a project's containers,
 * networks and volumes carry Docker's com.docker.compose.* labels and
 * are found again by them (`ps --filter label=...`), as docker compose
 * finds them; the supervisor and the network module keep them durable. */
#ifndef SKIFF_COMPOSE_COP_H
#define SKIFF_COMPOSE_COP_H

#include <ev.h>
#include <stdbool.h>

#include "../../core/bus.h"
#include "../../core/ctl.h"
#include "../../proto/cmdreq.h"
#include "../../proto/compose.h"

/* One container of the project as ps showed it. */
struct cctr {
	char *name, *service, *hash, *state, *status, *row;
	unsigned number;
};

enum cact_kind {
	CA_CALL,    /* argv; ok, or (tolerant) not_found, goes on */
	CA_NETWORK, /* ensure a network: inspect, else argv (create) */
	CA_WAIT,    /* until service `what` meets condition `cond` */
	CA_NOTE,    /* only a report line */
};

struct cact {
	enum cact_kind kind;
	struct strv argv;
	char *kind_word, *name, *action; /* the report line, if name */
	char *what, *cond;		 /* CA_WAIT */
	char *prefix; /* CA_CALL of logs: relay its lines after this */
	bool tolerant;
};

struct cop {
	struct ctl_req *r;
	const struct compose_args *a; /* the request's (lives with r) */
	char **services; /* positional SERVICE words */
	int nservices;
	struct compose_project p;     /* p.model, p.files */
	const char *project;	      /* p.model's name */
	struct cctr *ctrs;	      /* the project's containers */
	size_t nctrs;
	struct cact *acts;
	size_t nacts, next;
	int (*plan)(struct cop *op, struct err *e); /* after ps */
	bool waiting, checking, again;		    /* CA_WAIT */
	ev_timer deadline; /* --wait-timeout */
	bool timed, expired;
	struct cop *next_waiting;
};

/* deploy.c */
struct cnode *cop_model(const struct compose_args *a, struct cnode_files *files,
			struct err *e);
int cop_begin(struct ctl_req *r, const struct compose_args *a,
	      int (*plan)(struct cop *op, struct err *e), struct err *e);
struct cact *cop_act(struct cop *op, enum cact_kind kind);
void cop_report(struct cact *c, const char *kind, const char *name,
		const char *action);
void cop_bus_event(const struct bus_event *ev);
bool cop_selected(const struct cop *op, const char *service);

/* plan.c */
int plan_up(struct cop *op, struct err *e);
int plan_down(struct cop *op, struct err *e);
int plan_ps(struct cop *op, struct err *e);
int plan_start(struct cop *op, struct err *e);
int plan_stop(struct cop *op, struct err *e);
int plan_restart(struct cop *op, struct err *e);
int plan_kill(struct cop *op, struct err *e);
int plan_pause(struct cop *op, struct err *e);
int plan_unpause(struct cop *op, struct err *e);
int plan_rm(struct cop *op, struct err *e);
int plan_logs(struct cop *op, struct err *e);

#endif
