/* Hotspot early warning over the API:
 *   GET    /api/v1/hotspots/topics                 the watched topics (platform roles)
 *   POST   /api/v1/hotspots/topics                 a new topic (admin, supervisor)
 *   GET    /api/v1/hotspots/topics/{id}            one topic (platform roles)
 *   PUT    /api/v1/hotspots/topics/{id}            change a topic (fields given replace theirs)
 *   DELETE /api/v1/hotspots/topics/{id}            delete a topic; its warnings stay (admin)
 *   POST   /api/v1/hotspots/scan                   scan now (admin, supervisor)
 *   GET    /api/v1/hotspots/warnings               warnings the user received (managers: all)
 *   GET    /api/v1/hotspots/warnings/{id}          one warning with its evidence and notes
 *   POST   /api/v1/hotspots/warnings/{id}/ack      签收 (a recipient)
 *   POST   /api/v1/hotspots/warnings/{id}/follow-up 处置反馈 {text}
 *   POST   /api/v1/hotspots/warnings/{id}/close    办结 {text}
 * Topics are administered by the hotline centre's managers (admin, supervisor: the 督办
 * section runs early warning); every platform role may read them. */
#ifndef JIESU_RES_HOTSPOT_H
#define JIESU_RES_HOTSPOT_H

struct app;

/* Registers the routes above on the app's router and their descriptions for the OpenAPI
 * document. Returns 0 or the first error. */
int res_hotspot_register(struct app *a);

#endif
