// xcatdhcp: the administrator's CLI. Every subcommand is a thin call into the library.
#include "cli.hpp"

#include "xcatdhcp/error.hpp"

#include <iostream>

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return xcatdhcp::cli::run(args, std::cout, std::cerr);
    } catch (const xcatdhcp::Error& e) {
        std::cerr << "xcatdhcp: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "xcatdhcp: " << e.what() << "\n";
        return 1;
    }
}
