// tgate: the executable. Everything is in the command line (cli/).
#include "cli/cli.h"

int main(int argc, char** argv) { return tgate::cli::Run(argc, argv); }
