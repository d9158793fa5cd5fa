#include "generate/generate_command.h"

int main(int argc, char** argv) {
  return netmeter::runGenerateCommand(argc, argv);
}
