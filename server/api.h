/*
** Handlers of the people/campaign/consent API (api.c), named in the route
** table (routes.c).
*/
#ifndef TRIBUTARY_API_H
#define TRIBUTARY_API_H

struct req;

int join_page(struct req *r);
int login_page(struct req *r);
int logout_page(struct req *r);
int me_page(struct req *r);
int campaigns_page(struct req *r);
int consent_doc_page(struct req *r);
int consent_give_page(struct req *r);
int consent_withdraw_page(struct req *r);
int my_consents_page(struct req *r);
int accounts_page(struct req *r);
int passphrase_page(struct req *r);
int account_create_page(struct req *r);
int account_change_page(struct req *r);
int card_reissue_page(struct req *r);
int redact_page(struct req *r);
int contrib_create_page(struct req *r);
int my_contribs_page(struct req *r);
int contrib_withdraw_page(struct req *r);
int withdraw_all_page(struct req *r);
int export_page(struct req *r);

#endif
