DROP TABLE sightings;
