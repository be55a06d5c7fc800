// Staff console shell (issue 15): placeholder until the shell lands.
