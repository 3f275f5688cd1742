/** @papers/lib — shared helpers for the paper notebooks (see lib/README.md). */
export * from "./backend";
export * from "./random";
export * from "./tensor";
export * from "./plot";
export * from "./table";
export * from "./math";
export * from "./progress";
export * from "./train";
export * from "./profile";
export * from "./results";
export * from "./paths";
export * from "./display";
export * from "./setup";
export * as special from "./special";
export * as nn from "./nn";
export * as text from "./data/text";
export * as comm from "./comm";
export * as complex from "./complex";
