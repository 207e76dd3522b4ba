// ncursesw is used through the inline functions in include/CNcursesw.h.
