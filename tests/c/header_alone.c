/* apns.h compiles on its own (no other include first) as C99 and, as header_alone.cpp, C++. */
#include "apns.h"

int main(void) {
  apns_conf *conf = NULL;
  apns_result r = apns_conf_new(&conf);
  apns_conf_destroy(conf);
  return r == APNS_OK && apns_version() != NULL ? 0 : 1;
}
