/** Every test file removes the temporary folders it made (jest setupFilesAfterEnv). */
import { removeTempDirs } from './helpers';

afterAll(removeTempDirs);
