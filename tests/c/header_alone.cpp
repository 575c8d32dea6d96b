/* apns.h compiles on its own as C++ (-std=c++11 -Wall -Wextra -Wpedantic -Werror). */
#include "apns.h"

int main(void) {
  apns_conf *conf = NULL;
  apns_result r = apns_conf_new(&conf);
  apns_conf_destroy(conf);
  return r == APNS_OK && apns_version() != NULL ? 0 : 1;
}
