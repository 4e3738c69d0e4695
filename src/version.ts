/** This package's version, written into seed files. A test keeps it equal to package.json's. */
export const PACKAGE_VERSION = "0.1.0";
