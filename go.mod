module charm-octavia

go 1.25.0

require go.yaml.in/yaml/v3 v3.0.6

require github.com/gophercloud/gophercloud/v2 v2.15.0
