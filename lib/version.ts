/** This implementation's version (reported in MasterInfo and the state endpoints). */
export const VERSION = '0.1.0';
